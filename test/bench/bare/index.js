'use strict';
// The benchmark's comparison point: an HTTP function served by the same
// Functions Framework as the real ones, doing nothing but answer 200. What
// the real functions cost beyond it is what they do themselves.
const functions = require('@google-cloud/functions-framework');

functions.http('bare', (req, res) => {
  res.status(200).json({ received: true });
});
