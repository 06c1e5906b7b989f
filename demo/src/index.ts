export { ApiWorld, type RegisteredUser } from './api-world';
export { chromiumPath, ensureChromium, launchChromium } from './chromium';
export { serviceNames } from './services';
