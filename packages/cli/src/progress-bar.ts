/** A one-line progress bar on stderr for terminals; plain lines on state or 10% changes otherwise (CI logs). */
export class ProgressBar {
  private lastLine = '';
  private lastPercentLogged = -10;
  private readonly tty = Boolean(process.stderr.isTTY);

  update(state: string, percent: number, detail: string): void {
    const width = 30;
    const filled = Math.round((percent / 100) * width);
    const line = `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${String(percent).padStart(3)}% ${state.padEnd(10)} ${detail}`;
    if (line === this.lastLine) return;
    if (this.tty) process.stderr.write(`\r${line}\x1b[K`);
    else if (percent >= this.lastPercentLogged + 10 || !this.lastLine.includes(state)) {
      process.stderr.write(line + '\n');
      this.lastPercentLogged = percent;
    }
    this.lastLine = line;
  }

  done(): void {
    if (this.tty && this.lastLine) process.stderr.write('\n');
  }
}
