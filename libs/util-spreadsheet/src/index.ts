export * from './csv/detect-encoding';
export * from './csv/detect-delimiter';
export * from './csv/csv-table';
export * from './columns/resolve-column';
export * from './xlsx/result-workbook-writer';
