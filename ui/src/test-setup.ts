// jsdom has no layout, hence no ResizeObserver (Svelte's bind:clientHeight uses it): a no-op one.
class NoLayoutResizeObserver {
  observe(): void {}
  unobserve(): void {}
  disconnect(): void {}
}
globalThis.ResizeObserver ??= NoLayoutResizeObserver as unknown as typeof ResizeObserver;
