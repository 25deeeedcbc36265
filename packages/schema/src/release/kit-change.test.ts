import { describe, expect, it } from 'vitest';
import { kitApi } from '../kits/kit-api.js';
import { classifyKitChange } from './kit-change.js';

describe('classifyKitChange', () => {
  const api = kitApi();

  it('reads the kits public names and types', () => {
    expect(api['go DocumentReceivedDocument.SignedURL']).toBe('string');
    expect(api['go DocumentReceivedDocument.Size']).toBe('*int64');
    expect(api['go const LeadSourceAPI']).toBe('api');
    expect(api['python TwilioData.from_']).toBe('Optional[str]');
    expect(api['python strict.LeadCreatedData.lead_id']).toBe('field');
  });

  it('calls the kits new when the release kept none', () => {
    expect(classifyKitChange(undefined, api, '0.1.0')).toEqual([
      { level: 'minor', where: 'kits', reason: 'the Go and Python kits are new since 0.1.0' },
    ]);
  });

  it('finds nothing between equal surfaces', () => {
    expect(classifyKitChange(api, { ...api }, '0.1.0')).toEqual([]);
  });

  it('calls a name gone or a type changed a major, a new name a minor', () => {
    const { 'go DocumentReceivedDocument.Size': _, ...withoutSize } = api;
    const after = {
      ...withoutSize,
      'go DocumentReceivedDocument.SignedURL': '*string',
      'go const LeadSourceFax': 'fax',
    };
    expect(classifyKitChange(api, after, '0.1.0')).toEqual([
      {
        level: 'major',
        where: 'kits: go DocumentReceivedDocument.SignedURL',
        reason: 'string became *string',
      },
      { level: 'major', where: 'kits: go DocumentReceivedDocument.Size', reason: 'removed' },
      { level: 'minor', where: 'kits: go const LeadSourceFax', reason: 'new (fax)' },
    ]);
  });
});
