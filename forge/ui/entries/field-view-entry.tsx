// The connected field's view experience: the UI Kit resource named in manifest.yml.
import React from 'react';
import { ForgeReconciler } from './forge-reconciler';
import { FieldView } from '../field-view';

ForgeReconciler.render(
  <React.StrictMode>
    <FieldView />
  </React.StrictMode>,
);
