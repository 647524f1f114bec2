import { EntitySchema, OptionalProps } from '@mikro-orm/core';
import { TAX_CATEGORIES, type TaxCategory } from '../../domain/tax';
import { newId } from '../ids';
import { createdAtColumn } from './columns';

export class Product {
  [OptionalProps]?: 'id' | 'active' | 'addOn' | 'taxCategory' | 'createdAt';
  id: string = newId('prod');
  name!: string;
  description?: string | null;
  active: boolean = true;
  /** An add-on is offered beside a base plan (extra seats, a second bag of beans), not on its own. */
  addOn: boolean = false;
  /** Which of the customer's rates its lines are taxed at; a change applies to invoices built afterwards. */
  taxCategory: TaxCategory = 'standard';
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
    taxCategory: { type: 'text', enum: true, items: [...TAX_CATEGORIES], default: 'standard' },
    createdAt: createdAtColumn,
  },
});
