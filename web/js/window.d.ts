// What the pages expose on `window` for the browser tests (and curious people at the console).
export {};

declare global {
  interface Window {
    territoires: Record<string, unknown>;
    territoiresMap: L.Map;
    territoiresEmbed: { map: L.Map; idle: () => boolean };
    portraitMap: L.Map;
    portrait: { data: unknown };
  }
}
