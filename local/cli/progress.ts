/** On a terminal, one status line showing which stage each running file is in. */

/** Tracks and redraws the stage of running executions on stderr (no-op when not a TTY). */
export class StageProgress {
  private readonly stages = new Map<string, string>();
  private readonly enabled: boolean;

  constructor(private readonly stream: NodeJS.WriteStream = process.stderr) {
    this.enabled = Boolean(stream.isTTY) && !process.env.CI;
  }

  /** Records that an execution entered a state. */
  entered(executionName: string, state: string): void {
    if (!this.enabled) return;
    this.stages.set(executionName, state);
    this.draw();
  }

  /** Forgets an execution and clears the line before a result is printed. */
  done(executionName: string): void {
    this.stages.delete(executionName);
    this.clear();
  }

  /** Clears the status line. */
  clear(): void {
    if (this.enabled) this.stream.write('\r\x1b[2K');
  }

  private draw(): void {
    const text = [...this.stages].map(([name, state]) => `${name.slice(0, 40)}: ${state}…`).join('  ');
    const width = this.stream.columns ?? 120;
    this.stream.write(`\r\x1b[2K${text.slice(0, width - 1)}`);
  }
}
