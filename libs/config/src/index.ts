export * from './app-config';
export * from './config.error';
export * from './env-fields';
export * from './env-schemas';
export * from './env-table';
export * from './load-env';
export * from './gitops/parse-portcullis-file';
export * from './gitops/load-portcullis-file';
