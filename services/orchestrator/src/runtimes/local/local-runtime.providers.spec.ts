import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { MCP_RUNTIME } from '../runtime.tokens';
import { LocalRuntime } from './local-runtime';
import { localRuntimeProviders } from './local-runtime.providers';

describe('localRuntimeProviders', () => {
  it('should provide a LocalRuntime as MCP_RUNTIME and shut it down with the application', async () => {
    @Module({ providers: localRuntimeProviders({ stateDir: '/nonexistent/portcullis-unit' }) })
    class TestModule {}
    const app = await NestFactory.createApplicationContext(TestModule, { logger: false });
    const runtime = app.get<LocalRuntime>(MCP_RUNTIME);
    expect(runtime).toBeInstanceOf(LocalRuntime);
    const shutdown = jest.spyOn(runtime, 'shutdown');

    await app.close();

    expect(shutdown).toHaveBeenCalledTimes(1);
  });
});
