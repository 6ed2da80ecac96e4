import cliProgress from 'cli-progress';

/** Starts a progress bar on stderr for long commands; it stays silent in `--json` mode or when stderr is not a terminal. */
export function startProgress(total: number, options: { json: boolean; label: string }): { increment(): void; stop(): void } {
  if (options.json || !process.stderr.isTTY || total === 0) return { increment: () => undefined, stop: () => undefined };
  const bar = new cliProgress.SingleBar(
    { format: `${options.label} [{bar}] {value}/{total} {eta_formatted}`, stream: process.stderr },
    cliProgress.Presets.shades_classic,
  );
  bar.start(total, 0);
  return { increment: () => bar.increment(), stop: () => bar.stop() };
}
