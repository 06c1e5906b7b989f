import { checkWebhookUrl, isInternalAddress, WebhookUrlRefused } from './webhook-url';

function refusal(url: string, allowInternal = false): string {
  try {
    checkWebhookUrl(url, allowInternal);
    return 'accepted';
  } catch (error) {
    if (error instanceof WebhookUrlRefused) return error.code;
    throw error;
  }
}

describe('webhook URLs', () => {
  it.each([
    ['https://shop.example.com/hooks/securepay', 'accepted'],
    ['http://93.184.216.34:8080/hook', 'accepted'],
    ['https://[2606:2800:220:1:248:1893:25c8:1946]/hook', 'accepted'],
    ['ftp://shop.example.com/hook', 'BAD_WEBHOOK_URL'],
    ['javascript:alert(1)', 'BAD_WEBHOOK_URL'],
    ['/relative/path', 'BAD_WEBHOOK_URL'],
    ['https://user:pass@shop.example.com/hook', 'BAD_WEBHOOK_URL'],
    ['https://shop.example.com/hook#part', 'BAD_WEBHOOK_URL'],
    ['a URL of over 2048 characters', 'BAD_WEBHOOK_URL', `https://shop.example.com/${'a'.repeat(2048)}`],
    ['http://127.0.0.1:8080/hook', 'PRIVATE_ADDRESS'],
    ['http://localhost:8080/hook', 'PRIVATE_ADDRESS'],
    ['http://api.localhost/hook', 'PRIVATE_ADDRESS'],
    ['http://10.1.2.3/hook', 'PRIVATE_ADDRESS'],
    ['http://172.20.0.1/hook', 'PRIVATE_ADDRESS'],
    ['http://192.168.1.1/hook', 'PRIVATE_ADDRESS'],
    ['http://169.254.169.254/latest/meta-data', 'PRIVATE_ADDRESS'],
    ['http://0.0.0.0/hook', 'PRIVATE_ADDRESS'],
    ['http://[::1]/hook', 'PRIVATE_ADDRESS'],
    ['http://[fd00::1]/hook', 'PRIVATE_ADDRESS'],
    ['http://[::ffff:127.0.0.1]/hook', 'PRIVATE_ADDRESS'],
    // The URL parser normalises these spellings of 127.0.0.1 before the check sees them.
    ['http://2130706433/hook', 'PRIVATE_ADDRESS'],
    ['http://0x7f.1/hook', 'PRIVATE_ADDRESS'],
  ])('%s: %s', (name, expected, url = name) => {
    expect(refusal(url)).toBe(expected);
  });

  it('lets loopback and private hosts through when the operator allows them', () => {
    expect(refusal('http://127.0.0.1:8080/hook', true)).toBe('accepted');
    expect(refusal('http://localhost:8080/hook', true)).toBe('accepted');
    expect(refusal('ftp://127.0.0.1/hook', true)).toBe('BAD_WEBHOOK_URL');
  });

  it('judges resolved addresses the same way', () => {
    expect(['127.0.0.1', '10.0.0.1', '::1', 'fe80::1', '::ffff:10.0.0.1', 'not-an-ip'].every(isInternalAddress)).toBe(true);
    expect(['93.184.216.34', '2606:2800:220:1:248:1893:25c8:1946', '::ffff:93.184.216.34'].some(isInternalAddress)).toBe(false);
  });
});
