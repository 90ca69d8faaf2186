/**
 * `lockchart … | head` closes the pipe early: that is the reader's choice, not an error. Without
 * this, Node reports the EPIPE as an unhandled stream error and a stack trace.
 */
export function tolerateClosedPipes(): void {
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
      throw error;
    });
  }
}
