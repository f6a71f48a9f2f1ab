/** Goes to `hash`, rendering again when it is already the current one (re-applying the same filters). */
export function navigate(hash: string): void {
  if (location.hash === hash) window.dispatchEvent(new HashChangeEvent('hashchange'));
  else location.hash = hash;
}
