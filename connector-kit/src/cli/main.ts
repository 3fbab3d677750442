#!/usr/bin/env node
// The `junction-kit` executable. This is the only module of the kit that does work when loaded.
import { runCli } from './run-cli.js';

runCli(process.argv).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error(`junction-kit: ${String(error)}`);
    process.exitCode = 1;
  },
);
