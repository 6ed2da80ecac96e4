import { expect } from 'chai';
import { formatMinor, isCurrencyCode, minorUnitExponent, normaliseCurrency } from '../src/money/currency.js';

describe('normaliseCurrency', () => {
  it('upper-cases a Stripe code', () => {
    expect(normaliseCurrency('usd')).to.equal('USD');
  });

  it('keeps a Razorpay code', () => {
    expect(normaliseCurrency('INR')).to.equal('INR');
  });

  it('trims surrounding whitespace', () => {
    expect(normaliseCurrency(' jpy\n')).to.equal('JPY');
  });
});

describe('isCurrencyCode', () => {
  const cases: [unknown, boolean][] = [
    ['USD', true],
    ['usd', true],
    ['Kwd', true],
    ['US', false],
    ['USDT', false],
    ['U$D', false],
    ['12A', false],
    [' USD', false],
    ['USD\n', false],
    ['', false],
    [840, false],
    [null, false],
    [undefined, false],
  ];
  for (const [value, expected] of cases) {
    it(`${JSON.stringify(value) ?? 'undefined'} is ${expected ? 'valid' : 'invalid'}`, () => {
      expect(isCurrencyCode(value)).to.equal(expected);
    });
  }
});

describe('minorUnitExponent', () => {
  const cases: [string, number][] = [
    ['USD', 2],
    ['usd', 2],
    ['INR', 2],
    ['EUR', 2],
    ['JPY', 0],
    ['jpy', 0],
    ['KRW', 0],
    ['VND', 0],
    ['CLP', 0],
    ['KWD', 3],
    ['kwd', 3],
    ['BHD', 3],
    ['OMR', 3],
    ['JOD', 3],
    ['TND', 3],
  ];
  for (const [currency, expected] of cases) {
    it(`${currency} has exponent ${expected}`, () => {
      expect(minorUnitExponent(currency)).to.equal(expected);
    });
  }
});

describe('formatMinor', () => {
  const cases: [number, string, string][] = [
    [4500, 'USD', '45.00 USD'],
    [4500, 'usd', '45.00 USD'],
    [5, 'USD', '0.05 USD'],
    [0, 'USD', '0.00 USD'],
    [-1500, 'USD', '-15.00 USD'],
    [-5, 'USD', '-0.05 USD'],
    [149900, 'INR', '1499.00 INR'],
    [1500, 'JPY', '1500 JPY'],
    [5000, 'jpy', '5000 JPY'],
    [0, 'JPY', '0 JPY'],
    [12345, 'KWD', '12.345 KWD'],
    [5, 'KWD', '0.005 KWD'],
    [0, 'KWD', '0.000 KWD'],
    [-12345, 'kwd', '-12.345 KWD'],
  ];
  for (const [amount, currency, expected] of cases) {
    it(`${amount} ${currency} formats as ${expected}`, () => {
      expect(formatMinor(amount, currency)).to.equal(expected);
    });
  }
});
