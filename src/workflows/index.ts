export { subscriptionLifecycleWorkflow } from './lifecycle/workflow';
export { webhookDeliveryWorkflow } from './webhook-delivery.workflow';
