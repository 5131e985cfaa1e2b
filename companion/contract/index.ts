export * from './common.js';
export * from './datasource.js';
export * from './field.js';
export * from './preview.js';
