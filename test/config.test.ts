import { randomBytes } from 'node:crypto';
import { expect } from 'chai';
import { ConfigError, loadConfig } from '../src/config/config.js';
import { spawnService } from './helpers/processes.js';

const validEnv = (): NodeJS.ProcessEnv => ({
  DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/test',
  REDIS_URL: 'redis://127.0.0.1:6379',
  ENCRYPTION_KEY: randomBytes(32).toString('base64'),
});

function configError(env: NodeJS.ProcessEnv): ConfigError {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('loadConfig accepted the environment');
}

describe('config', () => {
  it('applies documented defaults', () => {
    const config = loadConfig(validEnv());
    expect(config.port).to.equal(3000);
    expect(config.receiver.bodyLimitBytes).to.equal(1024 * 1024);
    expect(config.stripe.toleranceSeconds).to.equal(300);
    expect(config.shutdownTimeoutMs).to.equal(25_000);
    expect(config.publicBaseUrl).to.equal('http://localhost:3000');
  });

  it('splits STRIPE_WEBHOOK_SECRET on commas', () => {
    const config = loadConfig({ ...validEnv(), STRIPE_WEBHOOK_SECRET: 'whsec_a, whsec_b,' });
    expect(config.stripe.defaultWebhookSecrets).to.deep.equal(['whsec_a', 'whsec_b']);
  });

  it('names a missing DATABASE_URL', () => {
    const { DATABASE_URL: _omitted, ...env } = validEnv();
    const error = configError(env);
    expect(error.variable).to.equal('DATABASE_URL');
    expect(error.message).to.equal('Invalid configuration: DATABASE_URL is missing');
  });

  it('requires REDIS_URL only for the redis backend', () => {
    const { REDIS_URL: _omitted, ...env } = validEnv();
    expect(configError(env).variable).to.equal('REDIS_URL');
    expect(loadConfig({ ...env, QUEUE_BACKEND: 'postgres' }).queue.backend).to.equal('postgres');
  });

  it('rejects a short ENCRYPTION_KEY without echoing it', () => {
    const secret = 'c2hvcnQtc2VjcmV0LXZhbHVl';
    const error = configError({ ...validEnv(), ENCRYPTION_KEY: secret });
    expect(error.variable).to.equal('ENCRYPTION_KEY');
    expect(error.message).to.not.include(secret);
  });

  it('rejects a non-numeric PORT', () => {
    expect(configError({ ...validEnv(), PORT: 'eighty' }).variable).to.equal('PORT');
  });

  it('rejects an unknown QUEUE_BACKEND', () => {
    expect(configError({ ...validEnv(), QUEUE_BACKEND: 'kafka' }).variable).to.equal('QUEUE_BACKEND');
  });

  it('leaves the admin UI disabled by default', () => {
    expect(loadConfig(validEnv()).adminUsers).to.deep.equal([]);
    expect(loadConfig({ ...validEnv(), ADMIN_USERNAME: '', ADMIN_PASSWORD: '' }).adminUsers).to.deep.equal([]);
  });

  it('reads both admin roles', () => {
    const config = loadConfig({
      ...validEnv(),
      ADMIN_USERNAME: 'ops',
      ADMIN_PASSWORD: 'admin-password-1',
      ADMIN_VIEWER_USERNAME: 'support',
      ADMIN_VIEWER_PASSWORD: 'viewer-password-1',
    });
    expect(config.adminUsers.map((user) => [user.role, user.username])).to.deep.equal([
      ['admin', 'ops'],
      ['viewer', 'support'],
    ]);
  });

  it('requires an admin password with the username', () => {
    const error = configError({ ...validEnv(), ADMIN_USERNAME: 'ops' });
    expect(error.message).to.equal('Invalid configuration: ADMIN_PASSWORD is missing (required when ADMIN_USERNAME is set)');
    expect(configError({ ...validEnv(), ADMIN_VIEWER_PASSWORD: 'viewer-password-1' }).variable).to.equal('ADMIN_VIEWER_USERNAME');
  });

  it('rejects a short ADMIN_PASSWORD without echoing it', () => {
    const error = configError({ ...validEnv(), ADMIN_USERNAME: 'ops', ADMIN_PASSWORD: 'hunter2' });
    expect(error.variable).to.equal('ADMIN_PASSWORD');
    expect(error.message).to.include('at least 12 characters');
    expect(error.message).to.not.include('hunter2');
  });

  it('rejects a colon in an admin username', () => {
    expect(configError({ ...validEnv(), ADMIN_USERNAME: 'ops:team', ADMIN_PASSWORD: 'admin-password-1' }).variable).to.equal('ADMIN_USERNAME');
  });

  it('rejects the same username for both admin roles', () => {
    const env = { ...validEnv(), ADMIN_USERNAME: 'ops', ADMIN_PASSWORD: 'admin-password-1', ADMIN_VIEWER_USERNAME: 'ops', ADMIN_VIEWER_PASSWORD: 'viewer-password-1' };
    expect(configError(env).variable).to.equal('ADMIN_VIEWER_USERNAME');
  });

  it('stops the web process with one line naming the variable', async () => {
    const secret = 'bm90LTMyLWJ5dGVzLXNlY3JldA==';
    const web = spawnService('src/server.js', { ...validEnv(), ENCRYPTION_KEY: secret });
    const exit = await web.waitForExit(15_000);
    expect(exit.code).to.equal(1);
    const lines = web.output().trim().split('\n');
    expect(lines).to.have.length(1);
    expect(lines[0]).to.match(/^Invalid configuration: ENCRYPTION_KEY is invalid/);
    expect(web.output()).to.not.include(secret);
  });

  it('stops the worker process on a missing DATABASE_URL', async () => {
    const { DATABASE_URL: _omitted, ...env } = validEnv();
    const worker = spawnService('workers/index.js', env);
    const exit = await worker.waitForExit(15_000);
    expect(exit.code).to.equal(1);
    expect(worker.output().trim()).to.equal('Invalid configuration: DATABASE_URL is missing');
  });
});
