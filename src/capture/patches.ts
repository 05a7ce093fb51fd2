/**
 * The one place where the recorder replaces a property of someone else's object.
 * It keeps the original descriptor, refuses to patch twice, and restores only what is still ours:
 * if another library patched on top of us, our wrapper stays but turns into a pass-through.
 */
export class PatchRegistry {
  private readonly undo: Array<() => void> = []
  private readonly patched = new WeakMap<object, Set<PropertyKey>>()

  /** Replaces `target[key]` (a method) with `wrap(original)`. Returns false if already patched by us. */
  wrap<T extends object, K extends keyof T & PropertyKey> (
    target: T, key: K, wrap: (original: T[K], active: () => boolean) => T[K],
  ): boolean {
    let keys = this.patched.get(target)
    if (keys?.has(key)) return false
    const own = Object.getOwnPropertyDescriptor(target, key)
    const original = target[key]
    if (typeof original !== 'function') return false
    let active = true
    const wrapper = wrap(original, () => active)
    Object.defineProperty(target, key, { value: wrapper, writable: true, configurable: true, enumerable: own?.enumerable ?? false })
    if (!keys) this.patched.set(target, keys = new Set())
    keys.add(key)
    this.undo.push(() => {
      active = false
      keys!.delete(key)
      if (target[key] !== wrapper) return
      if (own) Object.defineProperty(target, key, own)
      else delete target[key]
    })
    return true
  }

  /** Undoes every patch, newest first. */
  restore (): void {
    for (let fn = this.undo.pop(); fn; fn = this.undo.pop()) fn()
  }
}
