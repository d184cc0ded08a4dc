/**
 * The entry of the single executable (npm run binary, scripts/build-binary.mjs): the embedded
 * manifests are the executable's own assets (node:sea getAsset), not files beside it, so it runs on
 * a machine with nothing else; then the same main as dist/weavectl.js.
 */
import { getAsset, isSea } from 'node:sea';
import { setTemplateReader } from './manifest/template-reader.js';
import { main } from './main.js';

if (isSea()) setTemplateReader((path) => getAsset(path, 'utf8'));
// In the executable process.argv is [binary, binary, ...args], as for a script: main reads it as usual.
main();
