/**
 * Another node for test/conference-results.test.ts, in a process of its own: connects to the shared database,
 * reads one conference through the data layer (what the API and page call) and prints the answer as JSON.
 */

import { getConference } from '../../lib/server/data/conferences';
import { connectDatabase, disconnectDatabase } from '../../lib/server/db/client';

connectDatabase(process.env.READER_DATABASE_URL as string);
const detail = await getConference(process.env.READER_CONFERENCE as string);
process.stdout.write(JSON.stringify(detail));
await disconnectDatabase();
