import { DefaultLogger, Runtime } from '@temporalio/worker';

// Worker state changes and bundler output at INFO drown test failures; warnings and errors still show.
Runtime.install({ logger: new DefaultLogger('WARN') });
