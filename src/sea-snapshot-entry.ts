/**
 * The single executable's entry with a V8 startup snapshot (scripts/build-binary.mjs --snapshot): the
 * modules every command needs (commander, the program, the output layer) are loaded while the
 * snapshot is built and deserialised at start instead of being compiled and run; argv, the
 * environment and the terminal are read only in the main function, at run time.
 */
import { getAsset } from 'node:sea';
import { startupSnapshot } from 'node:v8';
import './run.js';
import { main } from './main.js';
import { setTemplateReader } from './manifest/template-reader.js';

startupSnapshot.setDeserializeMainFunction(() => {
  setTemplateReader((path) => getAsset(path, 'utf8'));
  main(process.argv);
});
