#!/usr/bin/env node
// The `junction-kit` command. It lives outside dist/ so that npm can link it before the first build.
import('../dist/cli/main.js').catch((error) => {
  if (error?.code === 'ERR_MODULE_NOT_FOUND') {
    process.stderr.write(
      'connector-kit is not built yet: run npm install (or npm run build) first.\n',
    );
    process.exit(1);
  }
  throw error;
});
