import { NotFoundState } from '../../not-found-state';

// An unknown session id: 404 (page.tsx calls notFound()).
export default function SessionNotFound() {
  return <NotFoundState what="Session" testId="session-state" />;
}
