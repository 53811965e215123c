/**
 * The one pause. `unref` lets a background loop's wait not keep the process alive (a hub that
 * is shutting down must not linger for a liveness check).
 */
export function sleep(ms: number, options: { readonly unref?: boolean } = {}): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    if (options.unref) timer.unref();
  });
}
