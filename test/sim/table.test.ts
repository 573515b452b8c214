import { test } from 'node:test';
import assert from 'node:assert/strict';
import { humanDuration } from '../../sim/apiserver/table.js';

// apimachinery's duration.HumanDuration, which the real server prints in date columns.
const CASES: [number, string][] = [
  [-5_000, '<invalid>'], [-500, '0s'], [0, '0s'], [119_000, '119s'], [120_000, '2m'], [125_000, '2m5s'],
  [600_000, '10m'], [179 * 60_000, '179m'], [3 * 3_600_000, '3h'], [3 * 3_600_000 + 120_000, '3h2m'],
  [47 * 3_600_000, '47h'], [50 * 3_600_000, '2d2h'], [30 * 86_400_000, '30d'], [800 * 86_400_000, '2y70d'], [3_000 * 86_400_000, '8y'],
];

for (const [ms, text] of CASES) test(`humanDuration(${ms}) is ${text}`, () => assert.equal(humanDuration(ms), text));
