export default async function globalTeardown(): Promise<void> {
  await globalThis.__PERENNIAL_POSTGRES__?.stop();
}
