// Layer: io. The package entry point: everything users import from '@propel-ts/io'.
export {};
