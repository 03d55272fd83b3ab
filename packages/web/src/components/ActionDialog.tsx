import { Form, Modal, type FormInstance } from 'antd';
import { useState, type ReactNode } from 'react';
import { useCaseAction } from '../hooks';

/**
 * The state of a card's dialogs: which one is open (`K`: its kind, or the row it is for),
 * their form, and the POST they send (`run`, see useCaseAction). A POST that succeeds
 * closes the dialog and clears the form, then reloads the case (`refresh`).
 */
export interface ActionDialogState<K> {
  open: K | undefined;
  setOpen: (open: K | undefined) => void;
  form: FormInstance;
  busy: boolean;
  run: (path: string, body: unknown, done: string) => Promise<void>;
}

/** A form's values as antd's validateFields gives them (untyped). */
export type FormValues = Awaited<ReturnType<FormInstance['validateFields']>>;

export function useActionDialog<K>(refresh: () => Promise<void>): ActionDialogState<K> {
  const [open, setOpen] = useState<K>();
  const [form] = Form.useForm();
  const { busy, run } = useCaseAction(refresh, () => {
    setOpen(undefined);
    form.resetFields();
  });
  return { open, setOpen, form, busy, run };
}

/**
 * A dialog on a case: a vertical form inside a modal (取消 and `okText`, 确定 unless told).
 * OK checks the fields (antd marks those that fail) and hands their values and what is open
 * to `onSubmit`, which sends them with `dialog.run`.
 */
export function ActionDialog<K>({
  dialog,
  title,
  okText = '确定',
  name,
  onSubmit,
  children,
}: {
  dialog: ActionDialogState<K>;
  title: ReactNode;
  okText?: string;
  /** The form's name (prefixes its fields' ids). */
  name?: string;
  onSubmit: (values: FormValues, open: K) => Promise<void>;
  children: ReactNode;
}) {
  const { open, setOpen, form, busy } = dialog;
  const ok = async () => {
    if (open === undefined) return;
    let values: FormValues;
    try {
      values = await form.validateFields();
    } catch {
      return; // the form shows what is missing
    }
    await onSubmit(values, open);
  };
  return (
    <Modal
      open={open !== undefined}
      title={title}
      okText={okText}
      cancelText="取消"
      confirmLoading={busy}
      onOk={() => void ok()}
      onCancel={() => setOpen(undefined)}
      destroyOnHidden
    >
      <Form form={form} layout="vertical" preserve={false} name={name}>
        {children}
      </Form>
    </Modal>
  );
}
