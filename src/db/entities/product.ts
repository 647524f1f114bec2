import { EntitySchema, OptionalProps } from '@mikro-orm/core';
import { newId } from '../ids';
import { createdAtColumn } from './columns';

export class Product {
  [OptionalProps]?: 'id' | 'active' | 'addOn' | 'createdAt';
  id: string = newId('prod');
  name!: string;
  description?: string | null;
  active: boolean = true;
  /** An add-on is offered beside a base plan (extra seats, a second bag of beans), not on its own. */
  addOn: boolean = false;
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
    addOn: { type: 'boolean', default: false },
    createdAt: createdAtColumn,
  },
});
