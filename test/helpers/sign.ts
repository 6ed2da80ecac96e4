export { signRazorpayBody as razorpaySignature, signStripeBody as stripeSignature } from '../../src/providers/signing.js';
