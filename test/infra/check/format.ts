/**
 * Checks that every file is already in canonical format, as HashiCorp's
 * HCL formatter (hclwrite, compiled to WebAssembly in @cdktf/hcl-tools)
 * writes it: what `terraform fmt -check` compares against.
 */
import { format } from '@cdktf/hcl-tools';

import { blocks, isBody, type SourceFile } from './module';
import type { Problem } from './problems';

/** Returns the first line where two texts differ, counted from 1. */
function firstDifference(actual: string, expected: string): number {
  const actualLines = actual.split('\n');
  const expectedLines = expected.split('\n');
  const index = actualLines.findIndex((line, i) => line !== expectedLines[i]);
  return (index === -1 ? actualLines.length : index) + 1;
}

// `terraform fmt` also unwraps an attribute that is a lone interpolation
// ("${var.x}" becomes var.x) and unquotes a variable's legacy type
// ("string" becomes string), which hclwrite alone leaves.
const loneInterpolation = /=\s*"\$\{[^"{}]*\}"\s*(#.*)?$/;

function legacyTypes(file: SourceFile): string[] {
  const variables = isBody(file.body.variable) ? file.body.variable : {};
  return Object.entries(variables)
    .filter(([, bodies]) =>
      blocks(bodies).some((body) => typeof body.type === 'string' && !body.type.includes('${'))
    )
    .map(([name]) => name);
}

/** Returns a problem for each file that is not in canonical format. */
export async function checkFormat(files: SourceFile[]): Promise<Problem[]> {
  const problems: Problem[] = [];
  for (const file of files) {
    const canonical = await format(file.text);
    if (canonical !== file.text) {
      const line = firstDifference(file.text, canonical);
      problems.push({
        rule: 'canonical-format',
        file: file.name,
        address: `${file.name}:${line}`,
        message: `not in canonical format from line ${line}: run terraform fmt`,
      });
    }

    for (const name of legacyTypes(file)) {
      problems.push({
        rule: 'canonical-format',
        file: file.name,
        address: `var.${name}`,
        message: 'a quoted type is legacy syntax: write the type without quotes',
      });
    }

    file.text.split('\n').forEach((text, index) => {
      if (loneInterpolation.test(text)) {
        problems.push({
          rule: 'canonical-format',
          file: file.name,
          address: `${file.name}:${index + 1}`,
          message: 'a lone interpolation, "${...}", is written without quotes',
        });
      }
    });
  }
  return problems;
}
