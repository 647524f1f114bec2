import { EntitySchema, OptionalProps } from '@mikro-orm/core';
import { newId } from '../ids';
import { createdAtColumn } from './columns';

export class Product {
  [OptionalProps]?: 'id' | 'active' | 'createdAt';
  id: string = newId('prod');
  name!: string;
  description?: string | null;
  active: boolean = true;
  createdAt: Date = new Date();
}

export const ProductSchema = new EntitySchema<Product>({
  class: Product,
  tableName: 'products',
  properties: {
    id: { type: 'text', primary: true },
    name: { type: 'text' },
    description: { type: 'text', nullable: true },
    active: { type: 'boolean', default: true },
    createdAt: createdAtColumn,
  },
});
