import { Modal, type ModalProps } from '@mantine/core';

/**
 * Mantine's Modal without scroll locking: react-remove-scroll injects a <style> element, which the
 * server's CSP (no 'unsafe-inline') blocks. Everything else (focus trap, Escape, labelling) stays.
 */
export function AppModal(props: Omit<ModalProps, 'lockScroll'>) {
  return <Modal {...props} lockScroll={false} />;
}
