// Progress arithmetic shared by the web page and the CLI. Framework-free and importable on its own
// (`@geobatch/contracts/progress`), so the page's bundle never pulls in the DTOs' class-validator.
export * from './rate-window';
export * from './progress-rule';
