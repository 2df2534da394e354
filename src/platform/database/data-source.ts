import { DataSource } from 'typeorm';
import { loadMigrationUrl } from '../../config/app-config';
import { dataSourceOptions } from './data-source-options';

// For the TypeORM CLI (`npm run migration:generate`), reading the same validated config as the server,
// as the schema's owner.
export default new DataSource(dataSourceOptions(loadMigrationUrl()));
