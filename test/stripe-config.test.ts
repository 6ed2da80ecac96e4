import { randomBytes } from 'node:crypto';
import { expect } from 'chai';
import { ConfigError, loadConfig, loadStripeCommandConfig } from '../src/config/config.js';

const validEnv = (): NodeJS.ProcessEnv => ({
  DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/test',
  REDIS_URL: 'redis://127.0.0.1:6379',
  ENCRYPTION_KEY: randomBytes(32).toString('base64'),
});

function configError(load: () => unknown): ConfigError {
  try {
    load();
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('the environment was accepted');
}

describe('Stripe endpoint config', () => {
  it('defaults to the Stripe API', () => {
    const { endpoints } = loadConfig(validEnv()).stripe;
    expect(endpoints.api).to.deep.equal({ protocol: 'https', host: 'api.stripe.com', port: 443, timeoutMs: 10_000 });
    expect(endpoints.statusTimeoutMs).to.equal(2000);
    expect(endpoints.secretOverlapSeconds).to.equal(86_400);
  });

  it('reads host and port from STRIPE_API_BASE_URL', () => {
    const { api } = loadConfig({ ...validEnv(), STRIPE_API_BASE_URL: 'http://127.0.0.1:12111' }).stripe.endpoints;
    expect(api.protocol).to.equal('http');
    expect(api.host).to.equal('127.0.0.1');
    expect(api.port).to.equal(12111);
  });

  it('rejects a base URL with a path or another scheme', () => {
    for (const value of ['https://api.stripe.com/v1', 'ftp://api.stripe.com', 'api.stripe.com']) {
      expect(configError(() => loadConfig({ ...validEnv(), STRIPE_API_BASE_URL: value })).variable, value).to.equal('STRIPE_API_BASE_URL');
    }
  });

  it('lets the CLI run without Redis', () => {
    const { REDIS_URL: _omitted, ...env } = validEnv();
    const config = loadStripeCommandConfig({ ...env, PUBLIC_BASE_URL: 'https://hooks.example.com/', STRIPE_API_KEY: '' });
    expect(config.publicBaseUrl).to.equal('https://hooks.example.com');
    expect(config.apiKeyFromEnv).to.equal(undefined);
  });

  it('requires PUBLIC_BASE_URL for the CLI', () => {
    expect(configError(() => loadStripeCommandConfig(validEnv())).variable).to.equal('PUBLIC_BASE_URL');
  });

  it('rejects a publishable STRIPE_API_KEY', () => {
    const error = configError(() => loadStripeCommandConfig({ ...validEnv(), PUBLIC_BASE_URL: 'https://hooks.example.com', STRIPE_API_KEY: 'pk_test_0123456789abcdef' }));
    expect(error.variable).to.equal('STRIPE_API_KEY');
    expect(error.message).to.not.include('pk_test_0123456789abcdef');
  });
});
