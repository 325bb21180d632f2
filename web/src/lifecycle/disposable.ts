// Disposables live in @sonde/client (its terminal connection is one); the web app's
// framework-free objects use the same ones.
export { DisposableStore, type Disposable } from '@sonde/client';
