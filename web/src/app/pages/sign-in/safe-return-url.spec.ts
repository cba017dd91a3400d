import { safeReturnUrl } from './safe-return-url';

describe(safeReturnUrl.name, () => {
  it('should keep an in-app path', () => {
    expect(safeReturnUrl('/health?x=1')).toBe('/health?x=1');
  });

  it('should fall back to the health page when nothing is given', () => {
    expect(safeReturnUrl(undefined)).toBe('/health');
    expect(safeReturnUrl('')).toBe('/health');
  });

  it('should refuse absolute and protocol-relative URLs', () => {
    expect(safeReturnUrl('https://evil.example/')).toBe('/health');
    expect(safeReturnUrl('//evil.example/')).toBe('/health');
  });

  it('should not loop back to sign-in', () => {
    expect(safeReturnUrl('/sign-in?returnUrl=%2Fhealth')).toBe('/health');
  });
});
