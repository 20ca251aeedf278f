// Test code only: XLSX files built the way other tools write them, for the specs of every project.
export * from './office-workbook';
