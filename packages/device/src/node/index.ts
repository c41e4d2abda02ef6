export { folderStorage } from './folder-storage.js';
