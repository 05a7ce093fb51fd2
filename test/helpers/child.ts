import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process'
import { once } from 'node:events'

export interface Exit { code: number | null, signal: NodeJS.Signals | null, stdout: string, stderr: string }

/**
 * Runs `node args…` in `cwd` with this process's environment less our own settings and the test
 * runner's, plus `env`; resolves when it exits. 60 s is a hang guard (SIGKILL), not a pace.
 * `talk` gets the child as soon as it is spawned, to talk to it over its stdin and stdout.
 */
export async function runNode (args: string[], cwd: string, env: Record<string, string>, talk?: (child: ChildProcessWithoutNullStreams) => void): Promise<Exit> {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([name]) =>
    !name.startsWith('LOG_OUTGOING_REQUESTS_') && name !== 'NODE_OPTIONS' && name !== 'NODE_TEST_CONTEXT'))
  const child = spawn(process.execPath, args, { cwd, env: { ...clean, ...env } })
  let stdout = ''
  let stderr = ''
  talk?.(child)
  child.stdout.on('data', (d) => { stdout += d })
  child.stderr.on('data', (d) => { stderr += d })
  const killer = setTimeout(() => child.kill('SIGKILL'), 60_000)
  const [code, signal] = await once(child, 'exit') as [number | null, NodeJS.Signals | null]
  clearTimeout(killer)
  return { code, signal, stdout, stderr }
}
