import { DataSource } from 'typeorm';
import { loadConfig } from '../../config/app-config';
import { dataSourceOptions } from './data-source-options';
import { migrationUrl } from './migrate';

// For the TypeORM CLI (`npm run migration:generate`), reading the same validated config as the server,
// as the schema's owner.
export default new DataSource(dataSourceOptions(migrationUrl(loadConfig())));
