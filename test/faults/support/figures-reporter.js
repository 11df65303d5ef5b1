'use strict';
// A jest reporter for the fault suite: each test file leaves its totals in a
// directory this reporter makes, and once every file has run the reporter
// prints them side by side with their sum, as the last thing in the output.
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const columns = [
  ['deliveries', 'deliveries sent'],
  ['applied', 'applied'],
  ['deadLettered', 'dead-lettered'],
  ['rejected', 'rejected 400'],
  ['refused', 'refused 503'],
  ['duplicatesSuppressed', 'duplicates suppressed'],
  ['lost', 'lost'],
];

class FaultFiguresReporter {
  constructor() {
    // Set before any test file starts, so every worker inherits it.
    this.dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fault-figures-'));
    process.env.FAULT_FIGURES_DIR = this.dir;
  }

  onRunComplete() {
    const files = fs.readdirSync(this.dir).filter((name) => name.endsWith('.json')).sort();
    const read = (name) => JSON.parse(fs.readFileSync(path.join(this.dir, name), 'utf8'));
    const rows = files.map(read);
    fs.rmSync(this.dir, { recursive: true, force: true });
    if (rows.length === 0) return;

    const total = { title: 'total' };
    for (const [key] of columns) total[key] = rows.reduce((sum, row) => sum + (row[key] ?? 0), 0);
    const table = [['', ...columns.map(([, title]) => title)]];
    for (const row of [...rows, total]) {
      table.push([row.title, ...columns.map(([key]) => String(row[key] ?? 0))]);
    }
    const widths = table[0].map((_, column) =>
      Math.max(...table.map((cells) => cells[column].length))
    );
    // Names to the left, figures to the right.
    const pad = (cell, column) =>
      column === 0 ? cell.padEnd(widths[column]) : cell.padStart(widths[column]);
    const lines = table.map((cells) => `  ${cells.map(pad).join('  ')}`);
    process.stdout.write(`\nFault suite figures:\n${lines.join('\n')}\n\n`);
  }
}

module.exports = FaultFiguresReporter;
