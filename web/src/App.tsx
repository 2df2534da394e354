import { Navigate, Route, Routes } from 'react-router';
import { NotFoundPage } from './pages/NotFoundPage';
import { SignInErrorPage } from './pages/SignInErrorPage';
import { Layout } from './shell/Layout';

export function App() {
  return (
    <Routes>
      <Route element={<Layout />}>
        <Route index element={<Navigate to="/reviews" replace />} />
        <Route path="signin-error" element={<SignInErrorPage />} />
        <Route path="*" element={<NotFoundPage />} />
      </Route>
    </Routes>
  );
}
