#!/usr/bin/env node
// Part of the build: checks every matter file under packages/workflows/matters (any depth) with
// the loader a deploy uses, and keeps them as dist/matters.json, which the built code reads at
// start (YAML is slow to read on a busy machine; JSON is not). A file with a problem fails the
// build, listing every problem with its line.
import { writeFileSync } from 'node:fs';
import { BUILT_IN_MATTERS_JSON, loadMatterFiles } from '../dist/builtIn.js';

try {
  const matters = loadMatterFiles();
  writeFileSync(BUILT_IN_MATTERS_JSON, JSON.stringify(matters.map(({ file, text, value }) => ({ file, text, value }))));
  console.log(`matters: ${matters.length} files checked into ${BUILT_IN_MATTERS_JSON}`);
} catch (error) {
  console.error(error.message);
  process.exit(1);
}
