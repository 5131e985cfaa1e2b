// Types for companion-bundle.mjs (plain JavaScript, as `npm start` runs it with Node alone).
export declare const BUNDLED_PACKAGES: string[];
export declare function ensureBundle(options: { root: string; entry: string; outfile: string }): Promise<{ rebuilt: boolean }>;
