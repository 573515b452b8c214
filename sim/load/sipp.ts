import { spawn, type ChildProcess } from 'node:child_process';
import { createSocket, type Socket } from 'node:dgram';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Clock } from '../../agent/clock/clock.js';
import type { LoadCounters, LoadDriver } from './driver.js';
import { offeredRate, type LoadProfile } from './profiles.js';
import { callLimit, formatRate, sippArgs, uacScenarioXml } from './sipp-scenario.js';
import { checkBinary, differs, freeUdpPort, sameTarget, settledWithin, type Target } from './sipp-process.js';
import { addCounters, readStatsFile, ZERO_COUNTERS, type SippSnapshot } from './sipp-stats.js';

export interface SippLoadOptions {
  readonly clock: Clock;
  /** How long an answered call lasts before its BYE. */
  readonly holdMs: number;
  /** Scratch directory the caller owns: the scenario XML and SIPp's statistics files go here. */
  readonly dir: string;
  readonly sippBin?: string;
  /** Loopback address SIPp sends from (and its control socket listens on). */
  readonly localHost?: string;
  /** An INVITE without a final answer for this long counts as timed out. */
  readonly answerTimeoutMs?: number;
  readonly log?: (line: string) => void;
}

/** One SIPp process, placing calls to one target. */
interface Run {
  readonly child: ChildProcess;
  readonly target: Target;
  readonly controlPort: number;
  readonly statsFile: string;
  readonly startedMs: number;
  readonly exited: Promise<void>;
  exit?: string;
  stopping: boolean;
  stderr: string;
  sentRate: number;
  sentAtMs: number;
  limit: number;
  last?: SippSnapshot;
}

const TICK_MS = 1_000;
const TERM_GRACE_MS = 2_500;
const KILL_WAIT_MS = 1_000;
const STOP_BOUND_MS = 6_000;
const MAX_BACKOFF_MS = 30_000;

/**
 * The playground's caller as a SIPp process: SIPp runs our UAC scenario at the
 * profile's rate against Bono. One loop, once a second, (re)starts SIPp for
 * the current target, retunes its rate through SIPp's UDP control port
 * (`cset rate R`, `cset limit N`) and reads its statistics file. Counters are
 * SIPp's own, summed over every SIPp run so far.
 */
export class SippLoad implements LoadDriver {
  readonly kind = 'sipp';
  readonly counters: LoadCounters = { ...ZERO_COUNTERS };
  #profile: LoadProfile;
  #profileSinceMs: number;
  #target: Target | undefined;
  #run: Run | undefined;
  #runs = 0;
  /** Counters of the SIPp runs that have ended. */
  #base: LoadCounters = ZERO_COUNTERS;
  #restartAtMs = 0;
  #backoffMs = TICK_MS;
  #control: Socket | undefined;
  #loopDone: Promise<void> | undefined;
  #stopping = false;
  #nap = new AbortController();
  #wakePending = false;
  readonly #bin: string;
  readonly #host: string;
  readonly #answerTimeoutMs: number;
  readonly #scenarioFile: string;

  constructor(
    private readonly o: SippLoadOptions,
    profile: LoadProfile,
  ) {
    this.#profile = profile;
    this.#profileSinceMs = o.clock.nowMs();
    this.#bin = o.sippBin ?? 'sipp';
    this.#host = o.localHost ?? '127.0.0.1';
    this.#answerTimeoutMs = o.answerTimeoutMs ?? 8_000;
    this.#scenarioFile = join(o.dir, 'uac.xml');
  }

  get profile(): LoadProfile {
    return this.#profile;
  }

  get activeCalls(): number {
    return this.#run?.last?.activeCalls ?? 0;
  }

  /** The running SIPp's process id, while one runs. */
  get sippPid(): number | undefined {
    return this.#run?.exit === undefined ? this.#run?.child.pid : undefined;
  }

  currentRate(): number {
    return offeredRate(this.#profile, (this.o.clock.nowMs() - this.#profileSinceMs) / 1000);
  }

  setProfile(profile: LoadProfile): void {
    this.#profile = profile;
    this.#profileSinceMs = this.o.clock.nowMs();
    this.#wake();
  }

  setTarget(target: Target | undefined): void {
    // A new Bono is a fresh start: no waiting out the backoff of a SIPp that kept failing against the old one.
    if (target && !sameTarget(target, this.#target)) this.#restartAtMs = 0;
    this.#target = target && { host: target.host, port: target.port };
    this.#wake();
  }

  async start(): Promise<void> {
    await checkBinary(this.#bin);
    await mkdir(this.o.dir, { recursive: true });
    await writeFile(this.#scenarioFile, uacScenarioXml({ holdMs: this.o.holdMs, answerTimeoutMs: this.#answerTimeoutMs }));
    const control = createSocket('udp4');
    control.on('error', (err) => this.#log(`SIPp control socket: ${err.message}`));
    this.#control = control;
    this.#loopDone = this.#loop();
  }

  async stop(): Promise<void> {
    this.#stopping = true;
    this.#nap.abort();
    if (this.#loopDone) await settledWithin(this.o.clock, this.#loopDone, STOP_BOUND_MS);
    // Only if the loop could not end its run in time: never leave a SIPp behind.
    if (this.#run && this.#run.exit === undefined) this.#run.child.kill('SIGKILL');
    const control = this.#control;
    this.#control = undefined;
    if (control) await new Promise<void>((resolve) => control.close(() => resolve()));
  }

  #log(line: string): void {
    this.o.log?.(line);
  }

  /** Runs the next tick now (a new target or profile should not wait a second). */
  #wake(): void {
    this.#wakePending = true;
    this.#nap.abort();
  }

  async #loop(): Promise<void> {
    while (!this.#stopping) {
      try {
        await this.#tick();
      } catch (err) {
        // E.g. no free port on localHost: retried, but not every second.
        this.#log(`SIPp load: ${(err as Error).message}`);
        this.#delayRestart();
      }
      if (this.#stopping) break;
      if (this.#wakePending) {
        this.#wakePending = false;
        continue;
      }
      this.#nap = new AbortController();
      await this.o.clock.sleep(TICK_MS, this.#nap.signal).catch(() => undefined);
    }
    if (this.#run) await this.#endRun(this.#run).catch((err: Error) => this.#log(`SIPp stop: ${err.message}`));
  }

  async #tick(): Promise<void> {
    const run = this.#run;
    if (run?.exit !== undefined) await this.#retire(run, true);
    else if (run && !sameTarget(run.target, this.#target)) await this.#endRun(run);
    if (!this.#run && this.#target && this.o.clock.nowMs() >= this.#restartAtMs) await this.#startRun(this.#target);
    const current = this.#run;
    if (!current || current.exit !== undefined) return;
    const snapshot = await readStatsFile(current.statsFile);
    if (snapshot) current.last = snapshot;
    this.#retune(current);
    this.#publish();
  }

  async #startRun(target: Target): Promise<void> {
    const [port, controlPort] = [await freeUdpPort(this.#host), await freeUdpPort(this.#host)];
    const statsFile = join(this.o.dir, `stats-${++this.#runs}.csv`);
    const rate = this.currentRate();
    const limit = this.#limit();
    const args = sippArgs({ target, scenarioFile: this.#scenarioFile, host: this.#host, port, controlPort, rate, limit, statsFile });
    // SIPp redraws its screen on stdout all the time: nobody reads it.
    const child = spawn(this.#bin, args, { cwd: this.o.dir, stdio: ['ignore', 'ignore', 'pipe'] });
    const exited = new Promise<void>((resolve) => {
      child.once('exit', (code, signal) => {
        run.exit = `code ${code}, signal ${signal}`;
        resolve();
      });
      // Spawning failed (binary gone since start()): there is no 'exit' then.
      child.once('error', (err) => {
        run.exit ??= err.message;
        resolve();
      });
    });
    const run: Run = { child, target, controlPort, statsFile, startedMs: this.o.clock.nowMs(), exited, stopping: false, stderr: '', sentRate: rate, sentAtMs: this.o.clock.nowMs(), limit };
    child.stderr?.on('data', (b: Buffer) => (run.stderr = (run.stderr + b.toString()).slice(-2_000)));
    this.#run = run;
    this.#log(`SIPp started (pid ${child.pid}) calling ${target.host}:${target.port} at ${formatRate(rate)}/s, limit ${limit}`);
  }

  /** SIGTERM lets SIPp write its last statistics row; SIGKILL if it takes too long. */
  async #endRun(run: Run): Promise<void> {
    run.stopping = true;
    if (run.exit === undefined) {
      run.child.kill('SIGTERM');
      if (!(await settledWithin(this.o.clock, run.exited, TERM_GRACE_MS))) {
        run.child.kill('SIGKILL');
        if (!(await settledWithin(this.o.clock, run.exited, KILL_WAIT_MS))) this.#log(`SIPp pid ${run.child.pid} did not exit after SIGKILL`);
      }
    }
    await this.#retire(run, false);
  }

  /** Folds an ended run's final counters into the base; an unexpected exit schedules a restart. */
  async #retire(run: Run, unexpected: boolean): Promise<void> {
    run.last = (await readStatsFile(run.statsFile)) ?? run.last;
    this.#base = addCounters(this.#base, run.last?.counters ?? ZERO_COUNTERS);
    run.child.stderr?.destroy();
    this.#run = undefined;
    this.#publish();
    if (!unexpected || run.stopping) return;
    const now = this.o.clock.nowMs();
    // A SIPp that keeps dying right away (port taken, bad target) is retried less and less often.
    if (now - run.startedMs > 10 * TICK_MS) this.#backoffMs = TICK_MS;
    this.#log(`SIPp exited unexpectedly (${run.exit}); restarting in ${this.#backoffMs} ms. stderr: ${run.stderr.trim().slice(-500)}`);
    this.#delayRestart();
  }

  #delayRestart(): void {
    this.#restartAtMs = this.o.clock.nowMs() + this.#backoffMs;
    this.#backoffMs = Math.min(MAX_BACKOFF_MS, this.#backoffMs * 2);
  }

  /** Tells SIPp the profile's rate when it moved, or again when SIPp's statistics show it missed a command. */
  #retune(run: Run): void {
    const want = this.currentRate();
    const now = this.o.clock.nowMs();
    const applied = run.last?.targetRate;
    const missed = applied !== undefined && differs(applied, run.sentRate) && now - run.sentAtMs > 2 * TICK_MS;
    if (differs(want, run.sentRate) || missed) {
      this.#command(run, `set rate ${formatRate(want)}`);
      run.sentRate = want;
      run.sentAtMs = now;
    }
    const limit = this.#limit();
    if (limit > run.limit) {
      this.#command(run, `set limit ${limit}`);
      run.limit = limit;
    }
  }

  /** SIPp's command mode over its control port: one datagram, 'c' then the command. */
  #command(run: Run, command: string): void {
    this.#control?.send(`c${command}`, run.controlPort, this.#host, (err) => {
      if (err) this.#log(`SIPp control "${command}": ${err.message}`);
    });
  }

  #limit(): number {
    return callLimit(this.#profile, this.o.holdMs + this.#answerTimeoutMs);
  }

  #publish(): void {
    Object.assign(this.counters, addCounters(this.#base, this.#run?.last?.counters ?? ZERO_COUNTERS));
  }
}
