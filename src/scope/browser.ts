/**
 * Opening a URL in the user's browser, when there is a desktop to open it on. Never fails the
 * command: a missing opener or a headless machine is a line on stderr at most.
 *
 * A desktop: macOS (`open`), Windows (`cmd /c start`), elsewhere an X11 or Wayland session
 * (DISPLAY or WAYLAND_DISPLAY set: `xdg-open`). An SSH session without a forwarded display, a
 * container or CI has none, and nothing is started.
 */
import { spawn } from 'node:child_process';

export interface Opener {
  command: string;
  args: string[];
}

/** The command that opens `url` here, or undefined when there is no desktop. */
export function browserOpener(url: string, platform: NodeJS.Platform = process.platform, env: NodeJS.ProcessEnv = process.env): Opener | undefined {
  if (platform === 'darwin') return { command: 'open', args: [url] };
  if (platform === 'win32') return { command: 'cmd', args: ['/c', 'start', '""', url] };
  const display = (env.DISPLAY ?? '') !== '' || (env.WAYLAND_DISPLAY ?? '') !== '';
  return display ? { command: 'xdg-open', args: [url] } : undefined;
}

/**
 * Starts the opener, detached; resolves with undefined when it started, or a one-line reason when it
 * could not (not installed). Whatever the opener does afterwards is not weavectl's business.
 */
export function openBrowser(opener: Opener, spawnFn: typeof spawn = spawn): Promise<string | undefined> {
  return new Promise((resolve) => {
    let child;
    try {
      child = spawnFn(opener.command, opener.args, { detached: true, stdio: 'ignore', windowsVerbatimArguments: opener.command === 'cmd' });
    } catch (err) {
      resolve(`${opener.command}: ${(err as Error).message}`);
      return;
    }
    child.once('error', (err) => resolve(`${opener.command}: ${err.message}`));
    child.once('spawn', () => {
      child.unref();
      resolve(undefined);
    });
  });
}
