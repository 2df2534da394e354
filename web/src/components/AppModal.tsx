import { Modal, type ModalProps } from '@mantine/core';

/**
 * Mantine's Modal without scroll locking: react-remove-scroll injects a <style> element, which the
 * server's CSP (no 'unsafe-inline') blocks. Everything else (focus trap, Escape, labelling) stays; the
 * close button gets the name Mantine leaves out (axe: button-name).
 */
export function AppModal(props: Omit<ModalProps, 'lockScroll'>) {
  return <Modal closeButtonProps={{ 'aria-label': 'Close' }} {...props} lockScroll={false} />;
}
