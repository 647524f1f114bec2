export { subscriptionWorkflow } from './subscription.workflow';
